{
  "targets": [
    {
      "target_name": "tsvrrpd_native",
      "sources": ["tsvrrpd_native.c", "precise_timer.c", "spawn.c", "run_watch.c", "packet.c", "netns.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-O2"]
    }
  ]
}
