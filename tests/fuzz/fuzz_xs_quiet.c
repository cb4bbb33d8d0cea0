/* Shared by the xenstored fuzz targets: keep the daemon's logging (domain
 * introductions and the like) out of the fuzzer's output. */
#include "sv/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    return 0;
}
