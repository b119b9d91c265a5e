piivault_fuzzer(shape_matcher piivault_detect PkgConfig::RE2)
