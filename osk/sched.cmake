# sched: tasks, the weighted fair scheduler, wait queues and IPC ports.
# The context switch they call (sv/task_arch.h) is the host's: assembly in
# backend_baremetal/, ucontext in tests/unit/task_posix.c.
target_sources(sv_osk PRIVATE
	${CMAKE_CURRENT_LIST_DIR}/sched.c
	${CMAKE_CURRENT_LIST_DIR}/task.c
	${CMAKE_CURRENT_LIST_DIR}/waitq.c
	${CMAKE_CURRENT_LIST_DIR}/ipc.c)
