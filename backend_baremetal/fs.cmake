# fs: sources of smartvm.elf owned by that area (target_sources): the
# kernel's file tree (ramfs root, devfs on /dev, the log file, svfs from
# /dev/hda at /disk) and its self-test, and the console over it on COM1,
# VGA and the keyboard.
target_sources(smartvm.elf PRIVATE
	kconsole.c
	kfs.c)
target_link_libraries(smartvm.elf PRIVATE sv_console sv_fs)
