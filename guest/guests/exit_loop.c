/*
 * exit_loop [N] [ap-spin]: N (default 1000) doorbell exits on vCPU 0, back to back: N exit round
 * trips. The other vCPUs halt, or with ap-spin loop in the guest without ever exiting, so
 * only a kick can get them out of KVM_RUN when the run ends.
 */
#include "guest.h"

static bool ap_spins(void)
{
	const struct boot_info *bi = guest_boot_info();

	return bi->argc > 2 && !strcmp((const char *)(uintptr_t)bi->argv[2], "ap-spin");
}

void guest_ap_main(unsigned int vcpu_id)
{
	while (ap_spins())
		cpu_relax();
	guest_halt();
}

int main(int argc, char **argv)
{
	unsigned long n = guest_arg_ulong(argc, argv, 1, 1000);

	for (unsigned long i = 0; i < n; i++)
		guest_vmexit();
	return 0;
}
