#include "ui/frontend.h"
bool curses_display_start(Error **errp) { error_setg(errp, "todo"); return false; }
void curses_display_cleanup(void) {}
