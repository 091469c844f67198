// Result<T>: a value or an Error, never an exception. The error code tells the caller what to do.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace base {

// The code alone decides what a caller does and, at the HTTP edge, the status (web/api_routes.cpp):
// no status is ever chosen by matching an error's text or reason.
enum class ErrorCode {
  kMalformed,        // the request cannot be read at all (not JSON); do not retry unchanged
  kInvalidInput,     // the caller sent something wrong; do not retry unchanged
  kNotFound,         // no such thing
  kConflict,         // the state forbids it (already exported, already queued)
  kRateLimited,      // retry after `retry_after_s`
  kUnavailable,      // transient failure; retry with backoff
  kUnauthenticated,  // credentials missing, expired or revoked
  kInternal,         // a bug or a broken invariant
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // plain words, shown to the merchant
  std::string field;    // the offending input field, when there is one
  std::string reason;   // stable machine code for the API, e.g. "unbalanced"
  std::optional<double> retry_after_s;

  bool Retryable() const {
    return code == ErrorCode::kRateLimited || code == ErrorCode::kUnavailable;
  }
};

inline Error Invalid(std::string field, std::string message, std::string reason = "invalid") {
  return Error{ErrorCode::kInvalidInput, std::move(message), std::move(field), std::move(reason),
               std::nullopt};
}
// Errors are made by these factories, never field by field.
inline Error Malformed(std::string field, std::string message, std::string reason = "malformed") {
  return Error{ErrorCode::kMalformed, std::move(message), std::move(field), std::move(reason),
               std::nullopt};
}
inline Error NotFound(std::string message) {
  return Error{ErrorCode::kNotFound, std::move(message), "", "not_found", std::nullopt};
}
inline Error Conflict(std::string reason, std::string message) {
  return Error{ErrorCode::kConflict, std::move(message), "", std::move(reason), std::nullopt};
}
inline Error Internal(std::string message) {
  return Error{ErrorCode::kInternal, std::move(message), "", "internal", std::nullopt};
}
inline Error Unavailable(std::string message, std::string reason = "unavailable") {
  return Error{ErrorCode::kUnavailable, std::move(message), "", std::move(reason), std::nullopt};
}
inline Error Unauthenticated(std::string message, std::string reason = "unauthenticated") {
  return Error{ErrorCode::kUnauthenticated, std::move(message), "", std::move(reason),
               std::nullopt};
}
inline Error RateLimited(std::string message, std::optional<double> retry_after_s,
                         std::string reason = "rate_limited") {
  return Error{ErrorCode::kRateLimited, std::move(message), "", std::move(reason), retry_after_s};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(implicit)
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Status OkStatus() { return Status(); }

}  // namespace base
