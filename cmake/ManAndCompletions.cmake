# Manual pages (written once, in scdoc, docs/man/*.scd) and shell completions
# (completions/), built and installed with the programs.
#
# scdoc (Debian package scdoc) turns the sources into roff at build time. It
# is required when NS_BUILD_MAN is ON (the default), so that `cmake --install`
# always installs the pages; turn NS_BUILD_MAN off to build without it.
option(NS_BUILD_MAN "build and install the manual pages (needs scdoc)" ON)
include(GNUInstallDirs)

if(NS_BUILD_MAN)
  find_program(SCDOC scdoc)
  if(NOT SCDOC)
    message(FATAL_ERROR "scdoc not found: install it (apt-get install scdoc, "
                        "scripts/install-deps.sh does) or configure with -DNS_BUILD_MAN=OFF")
  endif()
  set(ns_man_pages nindex.1 nsearch.1 nsearch-query.7)
  set(ns_man_outputs)
  foreach(page ${ns_man_pages})
    set(src ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd)
    set(out ${PROJECT_BINARY_DIR}/man/${page})
    string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND sh -c "\"$0\" < \"$1\" > \"$2\"" ${SCDOC} ${src} ${out}
      DEPENDS ${src}
      COMMENT "scdoc ${page}"
      VERBATIM)
    list(APPEND ns_man_outputs ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man ALL DEPENDS ${ns_man_outputs})
endif()

set(ns_comp ${PROJECT_SOURCE_DIR}/completions)
install(FILES ${ns_comp}/nsearch.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME nsearch)
install(FILES ${ns_comp}/nsearch.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME nindex)
install(FILES ${ns_comp}/_nsearch.zsh DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions
        RENAME _nsearch)
install(FILES ${ns_comp}/nsearch.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d
        RENAME nsearch.fish)
install(FILES ${ns_comp}/nsearch.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d
        RENAME nindex.fish)
