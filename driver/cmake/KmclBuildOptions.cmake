# The build options and compiler flags every C target of the project shares (driver/ and native/).
# Included once, by whichever CMakeLists.txt is the top of the build.
include_guard(GLOBAL)

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

option(KMCL_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
option(KMCL_TESTS "Build the C unit tests (ctest)" OFF)
option(KMCL_FUZZ "Build the libFuzzer target (clang only)" OFF)

if(MSVC)
  add_compile_options(/W4)
else()
  add_compile_options(-Wall -Wextra -Wshadow -Wno-unused-parameter)
endif()
if(KMCL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1)
  add_link_options(-fsanitize=address,undefined)
endif()
if(KMCL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(KMCL_TESTS)
  enable_testing()
endif()
