/* pvclock-vmm ctl: the control socket's client. */
#ifndef CLI_CTL_H
#define CLI_CTL_H

/* argv[0] is "ctl"; returns the exit status. */
int ctl_main(int argc, char **argv);

#endif
