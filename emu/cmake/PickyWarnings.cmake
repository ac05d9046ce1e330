# The project's warning list in one place (curl's PickyWarnings idea); EMU_WERROR makes them fatal.
set(EMU_WARNINGS
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
  -Wcast-qual -Wpointer-arith -Wundef -Wwrite-strings -Wimplicit-fallthrough
  -Wno-unused-parameter -Wno-format-nonliteral)
add_compile_options(${EMU_WARNINGS})
if(EMU_WERROR)
  add_compile_options(-Werror)
endif()
