{
  "targets": [
    {
      "target_name": "tsvrrpd_native",
      "sources": ["tsvrrpd_native.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
