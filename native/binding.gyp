{
  "targets": [
    {
      "target_name": "holmes_profiler",
      "sources": ["profiler.cc"],
      "cflags_cc": ["-O2", "-Wno-cast-function-type"]
    }
  ]
}
