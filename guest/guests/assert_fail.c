/* assert_fail: a deliberately failing GUEST_ASSERT_EQ, proving the ABORT path end to end. */
#include "guest/guest.h"

int main(int argc, char **argv)
{
	uint64_t answer = 6 * 7;

	GUEST_PRINT("assert_fail: checking answer == 41, which must fail\n");
	GUEST_ASSERT_EQ(answer, 41);
	return 0;
}
