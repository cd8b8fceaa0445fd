# pvclock_add_guest(NAME [PC] SOURCES...): build NAME.elf, a freestanding guest for pvclock-vmm.
#
# Without PC it links the native runtime (pvclock-vmm::guest_rt): the guest starts in long mode
# as pvclock-vmm enters it (boot_abi.h) and talks to the host through the SDK (guest/guest.h,
# guest/kvmclock.h). With PC it links the multiboot runtime (pvclock-vmm::guest_pc) and the
# result is an ELF32 multiboot image, as QEMU's -kernel and pvclock-vmm's PC machine take it.
# The same function builds the guests in pvclock-vmm's own tree and, after
# find_package(pvclock-vmm), guests written anywhere else.
function(pvclock_add_guest name)
	cmake_parse_arguments(PARSE_ARGV 1 ARG "PC" "" "")
	add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
	# Relink when the linker script changes (it comes with the runtime's link options).
	get_target_property(lds pvclock-vmm::guest_rt PVCLOCK_GUEST_LDS)
	set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${lds})
	if(TARGET guest_lds)
		add_dependencies(${name} guest_lds) # in pvclock-vmm's tree: the script is generated
	endif()
	if(ARG_PC)
		target_link_libraries(${name} PRIVATE pvclock-vmm::guest_pc)
		set_target_properties(${name} PROPERTIES SUFFIX ".elf64")
		add_custom_command(TARGET ${name} POST_BUILD
			COMMAND ${CMAKE_OBJCOPY} -O elf32-i386 $<TARGET_FILE:${name}>
				$<TARGET_FILE_DIR:${name}>/${name}.elf
			COMMENT "Converting ${name} to a multiboot ELF32 image")
	else()
		target_link_libraries(${name} PRIVATE pvclock-vmm::guest_rt)
		set_target_properties(${name} PROPERTIES SUFFIX ".elf")
	endif()
endfunction()
