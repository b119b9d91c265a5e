piivault_fuzzer(c_api piivault_capi)
