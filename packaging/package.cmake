# `make package`: a Debian package of spoke and lsr-sim built by CPack (README "Running spoke for a
# store"). Included from the top-level CMakeLists, so these install rules and CPack settings are
# the project's own. Installing builds nothing: `make package` builds the two binaries first, and
# the package test packs what its build folder already holds.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(GNUInstallDirs)

install(TARGETS spoke lsr-sim RUNTIME DESTINATION bin)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/spoke-serve.service
              ${CMAKE_CURRENT_LIST_DIR}/spoke-worker@.service
        DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/spoke.toml DESTINATION /etc/spoke)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/README.Debian ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION share/doc/spoke)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME spoke)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "exports a web store's paid orders to Lightspeed Retail (R-Series) as sales")
set(CPACK_PACKAGE_DESCRIPTION
    "spoke sends a web store's paid orders to the store's Lightspeed Retail
(R-Series) point of sale as completed sales, exactly once and inside
Lightspeed's rate limit, and gives staff a site manager and a JSON API.
Also contains lsr-sim, a stateful Lightspeed R-Series emulator.")
set(SPOKE_PACKAGE_MAINTAINER "spoke maintainers <spoke@localhost>"
    CACHE STRING "The .deb's Maintainer field: name <e-mail>")
set(CPACK_PACKAGE_CONTACT "${SPOKE_PACKAGE_MAINTAINER}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # spoke_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps names the shared libraries the binaries load (libcurl, libsqlite3, libpq, ...);
# passwd for useradd in postinst. No -dev package is ever needed at run time.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/debian/conffiles ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
    ${CMAKE_CURRENT_LIST_DIR}/debian/prerm ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# Packs this build folder's binaries (nothing is compiled) and installs the package into a
# throwaway root: file list, conffiles, Depends, the units, the maintainer scripts, and `spoke
# --help` and `spoke migrate` run from the installed files with the installed config.
# Not in the sanitizer builds: nobody ships instrumented binaries (and test-tsan builds no lsr-sim).
if(NOT SPOKE_SANITIZE AND NOT SPOKE_FUZZ)
  add_test(NAME package.InstallsIntoAThrowawayRoot
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/package_test.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(package.InstallsIntoAThrowawayRoot PROPERTIES TIMEOUT 120
                       SKIP_RETURN_CODE 77 ENVIRONMENT CPACK=${CMAKE_CPACK_COMMAND})
endif()
