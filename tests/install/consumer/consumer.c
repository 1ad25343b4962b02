/* Built against the installed C library and header. */
#include <linkvault.h>

#include <stdio.h>

int main(void) {
  printf("installed C library: linkvault %s, ABI %d\n", lv_version(), lv_abi_version());
  return lv_abi_version() == LV_ABI_VERSION ? 0 : 1;
}
