# fs: sources of sv_osk owned by that area (target_sources): the file
# systems that need the kernel's own parts, over the VFS of fs/.
# Paths relative to osk/ (see driver.cmake).
target_sources(sv_osk PRIVATE
	devfs.c)	# the device registry as /dev
