# jobdeck's toolchain probe, at the end of its configure: writes the check a seeded build
# folder runs where its own @LANGUAGE@ detection would start. On a first configure of that
# folder, its state (every input recorded by hook/CMakeDetermine@LANGUAGE@Compiler.cmake)
# must be the probe's as its detection started, or what the probe's configure made of it
# (the values another language's seed set first: CMAKE_AR, CMAKE_LIBRARY_ARCHITECTURE, ...).
# Anything else (a compiler, toolchain file, search path or system chosen by the project, its
# options or its environment, or a detection module of its own) stops that configure with
# jobdeck's marker, and jobdeck configures the folder again without a seed.
# `_jobdeck_first` is set by the seeded file's first lines (jobdeck's seed.rs).
@QUOTE@
set(_jobdeck_check "")
foreach(_jobdeck_var IN LISTS _jobdeck_inputs)
  _jobdeck_quote(_jobdeck_before "${_jobdeck_input_${_jobdeck_var}}")
  string(APPEND _jobdeck_check
    "  if(DEFINED ${_jobdeck_var})\n    set(_jobdeck_now \"1\${${_jobdeck_var}}\")\n"
    "  else()\n    set(_jobdeck_now 0)\n  endif()\n"
    "  string(COMPARE EQUAL \"\${_jobdeck_now}\" ${_jobdeck_before} _jobdeck_same)\n")
  if(DEFINED ${_jobdeck_var})
    set(_jobdeck_after "1${${_jobdeck_var}}")
  else()
    set(_jobdeck_after 0)
  endif()
  if(NOT _jobdeck_after STREQUAL _jobdeck_input_${_jobdeck_var})
    _jobdeck_quote(_jobdeck_after "${_jobdeck_after}")
    string(APPEND _jobdeck_check
      "  if(NOT _jobdeck_same)\n"
      "    string(COMPARE EQUAL \"\${_jobdeck_now}\" ${_jobdeck_after} _jobdeck_same)\n"
      "  endif()\n")
  endif()
  string(APPEND _jobdeck_check
    "  if(NOT _jobdeck_same)\n    list(APPEND _jobdeck_differs ${_jobdeck_var})\n  endif()\n")
endforeach()
foreach(_jobdeck_var IN LISTS _jobdeck_environment)
  _jobdeck_quote(_jobdeck_before "${_jobdeck_env_${_jobdeck_var}}")
  string(APPEND _jobdeck_check
    "  if(DEFINED ENV{${_jobdeck_var}})\n    set(_jobdeck_now \"1\$ENV{${_jobdeck_var}}\")\n"
    "  else()\n    set(_jobdeck_now 0)\n  endif()\n"
    "  string(COMPARE EQUAL \"\${_jobdeck_now}\" ${_jobdeck_before} _jobdeck_same)\n"
    "  if(NOT _jobdeck_same)\n    list(APPEND _jobdeck_differs ENV{${_jobdeck_var}})\n  endif()\n")
endforeach()
# A module of cmake's own detection, or of the setup its compiler test and ABI detection
# (which a seeded folder skips) compile with, replaced on the project's CMAKE_MODULE_PATH.
string(APPEND _jobdeck_check
  "  foreach(_jobdeck_now IN LISTS CMAKE_MODULE_PATH)\n"
  "    file(GLOB _jobdeck_same \"\${_jobdeck_now}/CMakeDetermine*.cmake\"\n"
  "      \"\${_jobdeck_now}/CMakeTest*Compiler.cmake\" \"\${_jobdeck_now}/CMake*CompilerId*\"\n"
  "      \"\${_jobdeck_now}/CMakeCompilerIdDetection.cmake\" \"\${_jobdeck_now}/CMakeFindBinUtils.cmake\"\n"
  "      \"\${_jobdeck_now}/CMakeParseImplicit*\" \"\${_jobdeck_now}/CMake*Information.cmake\"\n"
  "      \"\${_jobdeck_now}/CMakeSystemSpecific*.cmake\" \"\${_jobdeck_now}/CMakeGenericSystem.cmake\"\n"
  "      \"\${_jobdeck_now}/Compiler/*.cmake\" \"\${_jobdeck_now}/Platform/*.cmake\")\n"
  "    if(_jobdeck_same)\n      list(APPEND _jobdeck_differs CMAKE_MODULE_PATH)\n    endif()\n"
  "  endforeach()\n")
# A rules override: cmake reads its file after this check, and its compiler test and ABI
# detection compile with what it sets; whatever it holds, the folder is configured unseeded.
string(APPEND _jobdeck_check
  "  foreach(_jobdeck_now CMAKE_USER_MAKE_RULES_OVERRIDE CMAKE_USER_MAKE_RULES_OVERRIDE_@LANGUAGE@)\n"
  "    if(NOT \"\${\${_jobdeck_now}}\" STREQUAL \"\")\n"
  "      list(APPEND _jobdeck_differs \${_jobdeck_now})\n    endif()\n"
  "  endforeach()\n")
# The toolchain file's contents, as the probe's detection read them.
_jobdeck_quote(_jobdeck_before "${_jobdeck_toolchain_hash}")
string(APPEND _jobdeck_check
  "  set(_jobdeck_now \"\")\n"
  "  if(CMAKE_TOOLCHAIN_FILE AND EXISTS \"\${CMAKE_TOOLCHAIN_FILE}\")\n"
  "    file(SHA256 \"\${CMAKE_TOOLCHAIN_FILE}\" _jobdeck_now)\n"
  "  endif()\n"
  "  string(COMPARE EQUAL \"\${_jobdeck_now}\" ${_jobdeck_before} _jobdeck_same)\n"
  "  if(NOT _jobdeck_same)\n"
  "    list(APPEND _jobdeck_differs CMAKE_TOOLCHAIN_FILE-contents)\n  endif()\n")

file(WRITE "${CMAKE_BINARY_DIR}/jobdeck-check.cmake"
  "if(_jobdeck_first)\n"
  "  set(_jobdeck_differs \"\")\n"
  "${_jobdeck_check}"
  "  if(_jobdeck_differs)\n"
  "    message(FATAL_ERROR \"@MARKER@ @LANGUAGE@ \${_jobdeck_differs}\")\n"
  "  endif()\n"
  "  unset(_jobdeck_differs)\n  unset(_jobdeck_now)\n  unset(_jobdeck_same)\n"
  "endif()\n")
