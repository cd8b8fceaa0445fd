/*
 * exit_loop [N] [ring3] [ap-spin]: N (default 1000) doorbell exits on vCPU 0, back to back: N
 * exit round trips, from ring 0 or with ring3 from ring 3. The other vCPUs halt, or with
 * ap-spin loop in the guest without ever exiting, so only a kick can get them out of KVM_RUN
 * when the run ends.
 */
#include "guest/guest.h"

static bool has_flag(const char *flag)
{
	const struct boot_info *bi = guest_boot_info();

	for (uint32_t i = 2; i < bi->argc; i++)
		if (!strcmp((const char *)(uintptr_t)bi->argv[i], flag))
			return true;
	return false;
}

void guest_ap_main(unsigned int vcpu_id)
{
	while (has_flag("ap-spin"))
		cpu_relax();
	guest_halt();
}

int main(int argc, char **argv)
{
	unsigned long n = guest_arg_ulong(argc, argv, 1, 1000);

	if (has_flag("ring3"))
		guest_enter_user_mode();
	for (unsigned long i = 0; i < n; i++)
		guest_vmexit();
	return 0;
}
