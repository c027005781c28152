# cmake -DREADME=docs/testing.md -DLEFT_OUT=A.b:C.* -P check-readme.cmake: the page's "The VM suite" section names
# exactly the tests the VM suite leaves out (LEFT_OUT, gtest filter patterns joined by ':'), each in backquotes, and
# no other test.
file(READ ${README} text)
string(FIND "${text}" "### The VM suite" start)
if(start EQUAL -1)
  message(FATAL_ERROR "${README}: no \"### The VM suite\" section")
endif()
string(SUBSTRING "${text}" ${start} -1 section)
string(FIND "${section}" "\n## " end)
string(SUBSTRING "${section}" 0 ${end} section)

string(REPLACE ":" ";" expected "${LEFT_OUT}")
string(REGEX MATCHALL "`[A-Za-z]+Test\\.[A-Za-z*]+`" named "${section}")
string(REPLACE "`" "" named "${named}")
list(REMOVE_DUPLICATES named)
list(SORT expected)
list(SORT named)
if(NOT named STREQUAL expected)
  message(FATAL_ERROR "${README}, \"The VM suite\": names the tests left out as '${named}', "
                      "tests/vm/CMakeLists.txt leaves out '${expected}'")
endif()
message(STATUS "README names the ${LEFT_OUT} tests left out of the VM suite")
