piivault_fuzzer(redact_text piivault_image ZLIB::ZLIB)
