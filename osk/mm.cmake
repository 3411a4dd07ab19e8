# mm: physical memory. The buddy page-frame allocator (and its set-up from
# the firmware memory map), the small-block allocator of size classes over
# slabs, and the kmem_alloc/kmem_free front end over both (sv/buddy.h,
# sv/kmem.h).
target_sources(sv_osk PRIVATE
	${CMAKE_CURRENT_LIST_DIR}/buddy.c	# page frames: blocks, runs, checks
	${CMAKE_CURRENT_LIST_DIR}/buddy_map.c	# the zone from the memory map
	${CMAKE_CURRENT_LIST_DIR}/slab.c	# size classes over slabs
	${CMAKE_CURRENT_LIST_DIR}/kmalloc.c)	# kmem_alloc/kmem_free over both
