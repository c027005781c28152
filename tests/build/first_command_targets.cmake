# cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DEXPECTED=a;b;... -P first_command_targets.cmake
# Configures SOURCE_DIR as the README's first command does (no -DWINBPF_BUILD_TESTS) in a fresh BINARY_DIR (Unix
# Makefiles, whose `help` target lists every target) and fails unless its targets, besides CMake's own, are EXPECTED.
# BINARY_DIR is removed at the end, also on failure.
cmake_minimum_required(VERSION 3.22)
foreach(variable SOURCE_DIR BINARY_DIR EXPECTED)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "first_command_targets.cmake: ${variable} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${BINARY_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -G "Unix Makefiles"
                RESULT_VARIABLE configure_status OUTPUT_VARIABLE configure_output ERROR_VARIABLE configure_output)
if(configure_status EQUAL 0)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target help
                  RESULT_VARIABLE help_status OUTPUT_VARIABLE help_output ERROR_VARIABLE help_error)
endif()
file(REMOVE_RECURSE ${BINARY_DIR})
if(NOT configure_status EQUAL 0)
  message(FATAL_ERROR "configuring the first command's build failed (${configure_status}):\n${configure_output}")
endif()
if(NOT help_status EQUAL 0)
  message(FATAL_ERROR "listing the first command's targets failed (${help_status}):\n${help_error}")
endif()

# "... name" lines, CMake's own targets left out.
string(REGEX MATCHALL "\\.\\.\\. [^ \n]+" lines "${help_output}")
set(cmake_targets all clean depend edit_cache install install/local install/strip list_install_components
                  rebuild_cache)
set(targets)
foreach(line IN LISTS lines)
  string(SUBSTRING "${line}" 4 -1 target)
  if(NOT target IN_LIST cmake_targets)
    list(APPEND targets ${target})
  endif()
endforeach()

set(extra ${targets})
list(REMOVE_ITEM extra ${EXPECTED})
set(missing ${EXPECTED})
list(REMOVE_ITEM missing ${targets})
if(extra OR missing)
  message(FATAL_ERROR "the first command's build (no -DWINBPF_BUILD_TESTS) has targets it should not: [${extra}]; "
                      "lacks: [${missing}] (tests/build/CMakeLists.txt lists what it builds)")
endif()
list(LENGTH targets count)
message(STATUS "the first command's build has the ${count} expected targets")
