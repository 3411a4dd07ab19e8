# driver: sources of sv_osk owned by that area (target_sources).
# Paths relative to osk/: backend_kvm_sim's smartvm_asan rebuilds every
# library source as SOURCE_DIR/path, which an absolute path would break.
target_sources(sv_osk PRIVATE
	driver.c	# device classes, registry, byte ring
	kbdmap.c)	# scancode set 1 to characters
