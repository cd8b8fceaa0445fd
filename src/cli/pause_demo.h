/* pvclock-vmm pause-demo: what a guest sees of its clock across a pause and a restore. */
#ifndef CLI_PAUSE_DEMO_H
#define CLI_PAUSE_DEMO_H

/* argv[0] is "pause-demo"; @self is the binary's argv[0]. Returns the exit status. */
int pause_demo_main(int argc, char **argv, const char *self);

#endif
