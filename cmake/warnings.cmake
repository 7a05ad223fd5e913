# Compiler warnings and hardening for every cairn target (the list STYLE.md asks for).
set(CAIRN_WARNINGS
	-Wall -Wextra
	-Wformat=2             # format strings checked, including non-literal ones
	-Wshadow               # an inner name hiding an outer one
	-Wstrict-prototypes -Wmissing-prototypes  # every non-static function declared in a header
	-Wpointer-arith -Wwrite-strings -Wundef -Wvla
	-Wconversion -Wno-sign-conversion         # narrowing that loses value
	-Wimplicit-fallthrough
	-fno-common)
if(CAIRN_WERROR)
	list(APPEND CAIRN_WARNINGS -Werror)
endif()

set(CAIRN_HARDENING -fstack-protector-strong -fPIE)
if(CMAKE_BUILD_TYPE STREQUAL "Release")
	list(APPEND CAIRN_HARDENING -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)
endif()
set(CAIRN_LINK_HARDENING -pie -Wl,-z,relro -Wl,-z,now)

if(CAIRN_SANITIZE)
	set(CAIRN_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
	add_compile_options(${CAIRN_SAN_FLAGS})
	add_link_options(${CAIRN_SAN_FLAGS})
endif()

add_compile_options(${CAIRN_WARNINGS} ${CAIRN_HARDENING})
add_link_options(${CAIRN_LINK_HARDENING})

if(CAIRN_FUZZ)
	# Coverage instrumentation for the libraries too, not only the fuzz targets' own files.
	add_compile_options(-fsanitize=fuzzer-no-link)
endif()
