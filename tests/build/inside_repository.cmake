# cmake -DSOURCE_DIR=... -P inside_repository.cmake
# The repository points only inside itself: no tracked file (`git ls-files`, docs included) names the project's
# shared folder beside the repository or its contract file, or cites the contract by section number, and every
# relative link of a tracked Markdown file stays inside the repository. A fact winbpf relies on is stated in its own
# docs (docs/compatibility.md, docs/hooks/<hook>.md, docs/cli.md, ...), or in the comment itself. Prose may speak of
# "the compatibility contract". Each offending line is printed as FILE: TEXT.
cmake_minimum_required(VERSION 3.22)
if(NOT DEFINED SOURCE_DIR)
  message(FATAL_ERROR "inside_repository.cmake: SOURCE_DIR is not set")
endif()
get_filename_component(root "${SOURCE_DIR}" REALPATH)

find_program(GIT git)
if(NOT GIT)
  message(FATAL_ERROR "inside_repository.cmake: git not found (it lists the tracked files)")
endif()
execute_process(COMMAND ${GIT} -C ${root} ls-files RESULT_VARIABLE status OUTPUT_VARIABLE listing ERROR_VARIABLE error)
if(NOT status EQUAL 0 OR listing STREQUAL "")
  message(FATAL_ERROR "inside_repository.cmake: `git ls-files` in ${root} failed: ${error}")
endif()
string(REGEX REPLACE "\n$" "" listing "${listing}")
string(REPLACE "\n" ";" files "${listing}")

# Written so that they do not match this file.
set(outside_regex "[.][.]/shared|shared/CONTRAC[T]|CONTRACT[.]md|CONTRACT[ ]§")
set(offences 0)
set(checked 0)
foreach(file IN LISTS files)
  set(path "${root}/${file}")
  if(IS_SYMLINK "${path}" OR NOT EXISTS "${path}" OR IS_DIRECTORY "${path}")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS "${path}" lines ENCODING UTF-8 REGEX "${outside_regex}")
  foreach(line IN LISTS lines)
    message(STATUS "${file}: ${line}")
    math(EXPR offences "${offences} + 1")
  endforeach()
  if(file MATCHES "[.]md$")
    get_filename_component(dir "${path}" DIRECTORY)
    file(STRINGS "${path}" linked REGEX "\\]\\([^)]+\\)")
    foreach(line IN LISTS linked)
      string(REGEX MATCHALL "\\]\\([^)# ]+" targets "${line}")
      foreach(target IN LISTS targets)
        string(SUBSTRING "${target}" 2 -1 target)
        if(target MATCHES "^[a-z]+:" OR target MATCHES "^/")
          continue() # a URL (http:, https:, mailto:) or an absolute path on the reader's machine
        endif()
        get_filename_component(resolved "${dir}/${target}" ABSOLUTE)
        string(FIND "${resolved}/" "${root}/" at)
        if(NOT at EQUAL 0)
          message(STATUS "${file}: link to ${target}, outside the repository")
          math(EXPR offences "${offences} + 1")
        endif()
      endforeach()
    endforeach()
  endif()
endforeach()

if(offences GREATER 0)
  message(FATAL_ERROR "${offences} pointers outside the repository (above): state the fact in winbpf's docs and "
                      "point there")
endif()
message(STATUS "${checked} tracked files point only inside the repository")
