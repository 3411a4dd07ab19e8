# sched: sources of sv_osk owned by that area (target_sources)
