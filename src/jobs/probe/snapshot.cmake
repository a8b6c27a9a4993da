# Writes, as CMake code, each cache entry the compiler detection made or changed. A seeded
# build folder runs that code when it loads the detection results, so its cache gets the
# same entries a detection of its own would have made. Only on a first configure (an entry
# already typed in the cache is the user's or an earlier configure's) and never inside a
# try_compile, whose cache cmake's detection never touches either.
get_cmake_property(_jobdeck_vars CACHE_VARIABLES)
set(_jobdeck_out "")
foreach(_jobdeck_var IN LISTS _jobdeck_vars)
  get_property(_jobdeck_type CACHE "${_jobdeck_var}" PROPERTY TYPE)
  get_property(_jobdeck_value CACHE "${_jobdeck_var}" PROPERTY VALUE)
  if(NOT "${_jobdeck_type}:${_jobdeck_value}" STREQUAL "${_jobdeck_before_${_jobdeck_var}}")
    get_property(_jobdeck_help CACHE "${_jobdeck_var}" PROPERTY HELPSTRING)
    get_property(_jobdeck_advanced CACHE "${_jobdeck_var}" PROPERTY ADVANCED)
    string(FIND "${_jobdeck_var}${_jobdeck_value}${_jobdeck_help}" "]==]" _jobdeck_at)
    if(NOT _jobdeck_at EQUAL -1)
      message(FATAL_ERROR "jobdeck probe: cannot quote the cache entry ${_jobdeck_var}")
    endif()
    string(APPEND _jobdeck_out
      "  get_property(_jobdeck_type CACHE [==[${_jobdeck_var}]==] PROPERTY TYPE)\n"
      "  if(NOT _jobdeck_type OR _jobdeck_type STREQUAL \"UNINITIALIZED\")\n"
      "    set([==[${_jobdeck_var}]==] [==[${_jobdeck_value}]==] CACHE ${_jobdeck_type} [==[${_jobdeck_help}]==] FORCE)\n")
    if(_jobdeck_advanced)
      string(APPEND _jobdeck_out
        "    set_property(CACHE [==[${_jobdeck_var}]==] PROPERTY ADVANCED 1)\n")
    endif()
    string(APPEND _jobdeck_out "  endif()\n")
  endif()
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/jobdeck-seed.cmake"
  "if(NOT CMAKE_IN_TRY_COMPILE)\n${_jobdeck_out}  unset(_jobdeck_type)\nendif()\n")
