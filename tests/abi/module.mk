# The ABI lists against their documentation: every hypercall and every
# xenstore node xl and netdd share is documented.
UNIT_TESTS += test_abi_docs
test_abi_docs_SRCS := tests/abi/test_abi_docs.c
test_abi_docs_LIBS := svcore
