# `_jobdeck_quote(out text)`: `text` as a CMake bracket argument, for code the probe writes
# (the check and the snapshot of the cache entries share it; probe/mod.rs puts it into both).
function(_jobdeck_quote out text)
  string(FIND "${text}" "]==]" _jobdeck_at)
  if(NOT _jobdeck_at EQUAL -1)
    message(FATAL_ERROR "jobdeck probe: cannot quote ${text}")
  endif()
  set(${out} "[==[${text}]==]" PARENT_SCOPE)
endfunction()
