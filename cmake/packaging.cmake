# Installed files besides the binary (the man page, completion scripts, docs) and the .deb
# (cpack -G DEB, or `cmake --build BUILD --target package`). Included from CMakeLists.txt
# after the ec2dl target.
set(EC2DL_GENERATED_DOCS ${CMAKE_BINARY_DIR}/share)
set(EC2DL_GENERATED_FILES
  ${EC2DL_GENERATED_DOCS}/ec2dl.1 ${EC2DL_GENERATED_DOCS}/ec2dl.1.gz
  ${EC2DL_GENERATED_DOCS}/ec2dl.bash ${EC2DL_GENERATED_DOCS}/_ec2dl
  ${EC2DL_GENERATED_DOCS}/ec2dl.fish)
add_custom_command(
  OUTPUT ${EC2DL_GENERATED_FILES}
  COMMAND ${CMAKE_COMMAND} -DEC2DL=$<TARGET_FILE:ec2dl> -DOUT=${EC2DL_GENERATED_DOCS}
          -P ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
  DEPENDS ec2dl ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
  COMMENT "Generating ec2dl(1) and the shell completion scripts")
add_custom_target(ec2dl_docs ALL DEPENDS ${EC2DL_GENERATED_FILES})

install(FILES ${EC2DL_GENERATED_DOCS}/ec2dl.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${EC2DL_GENERATED_DOCS}/ec2dl.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ec2dl)
install(FILES ${EC2DL_GENERATED_DOCS}/_ec2dl DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${EC2DL_GENERATED_DOCS}/ec2dl.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
file(GLOB EC2DL_DOC_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${EC2DL_DOC_PAGES} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ec2dl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The ec2dl authors")
set(CPACK_PACKAGE_CONTACT "The ec2dl authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "ec2dl runs the everyday work on a rented GPU server from the workstation, over ssh:
log in, copy code up, start detached jobs on chosen GPUs, follow their logs, watch the
GPUs and the system, and copy results down. Nothing needs installing on the server but sh.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# OpenSSH's client is only needed for ProxyJump, which runs `ssh -W`.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-client")
include(CPack)
