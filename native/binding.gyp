{
  "targets": [
    {
      "target_name": "tsvrrpd_native",
      "sources": ["tsvrrpd_native.c", "precise_timer.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
