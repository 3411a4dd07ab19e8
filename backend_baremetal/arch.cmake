# arch: sources of smartvm.elf owned by that area (target_sources)
