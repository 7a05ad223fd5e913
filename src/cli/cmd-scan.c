/* `cairn scan`: being built for issue 5 (a helper owns this file). */
#include "cli/cli.h"

int cmd_scan(struct cli_context *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failf(ctx, "not built yet");
}
