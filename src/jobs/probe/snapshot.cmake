# jobdeck's toolchain probe, right after cmake detected the @LANGUAGE@ compiler (at the end
# of hook/CMakeDetermine@LANGUAGE@Compiler.cmake, before cmake's system-wide setup and the
# language's flags make entries of their own): writes, as CMake code, each cache entry the
# detection made or changed. A seeded build folder runs that code when it loads the
# detection results, so its cache gets the same entries a detection of its own would have
# made: only in the folder's own configure (not a try_compile, whose cache cmake's detection
# never touches either), and only for an entry not already typed in the cache (the user's or
# an earlier configure's).
@QUOTE@
get_cmake_property(_jobdeck_vars CACHE_VARIABLES)
set(_jobdeck_out "")
foreach(_jobdeck_var IN LISTS _jobdeck_vars)
  get_property(_jobdeck_type CACHE "${_jobdeck_var}" PROPERTY TYPE)
  get_property(_jobdeck_value CACHE "${_jobdeck_var}" PROPERTY VALUE)
  # An UNINITIALIZED entry is a placeholder (mark_as_advanced of a variable a toolchain file
  # set): cmake never saves one, and a seed that typed it would make cmake see a changed
  # compiler and delete the cache, -D options and all.
  if(NOT "${_jobdeck_type}:${_jobdeck_value}" STREQUAL "${_jobdeck_before_${_jobdeck_var}}"
     AND NOT _jobdeck_type STREQUAL "UNINITIALIZED")
    get_property(_jobdeck_help CACHE "${_jobdeck_var}" PROPERTY HELPSTRING)
    get_property(_jobdeck_advanced CACHE "${_jobdeck_var}" PROPERTY ADVANCED)
    _jobdeck_quote(_jobdeck_name "${_jobdeck_var}")
    _jobdeck_quote(_jobdeck_value "${_jobdeck_value}")
    _jobdeck_quote(_jobdeck_help "${_jobdeck_help}")
    string(APPEND _jobdeck_out
      "  get_property(_jobdeck_type CACHE ${_jobdeck_name} PROPERTY TYPE)\n"
      "  if(NOT _jobdeck_type OR _jobdeck_type STREQUAL \"UNINITIALIZED\")\n"
      "    set(${_jobdeck_name} ${_jobdeck_value} CACHE ${_jobdeck_type} ${_jobdeck_help} FORCE)\n")
    if(_jobdeck_advanced)
      string(APPEND _jobdeck_out
        "    set_property(CACHE ${_jobdeck_name} PROPERTY ADVANCED 1)\n")
    endif()
    string(APPEND _jobdeck_out "  endif()\n")
  endif()
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/jobdeck-seed.cmake"
  "if(_jobdeck_own)\n${_jobdeck_out}  unset(_jobdeck_type)\nendif()\n")
