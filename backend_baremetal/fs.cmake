# fs: sources of smartvm.elf owned by that area (target_sources): the
# kernel's file tree (ramfs root, devfs on /dev, the log file) and its
# self-test.
target_sources(smartvm.elf PRIVATE
	kfs.c)
