// hlsflow C-simulation model of ap_int / ap_uint (and ap_fixed / ap_ufixed): see
// hlsflow_ap_base.h. Same file name as the vendor header so that generated code builds
// with either set; HLSFLOW_SIM_AP_TYPES tells which one is in use.
#ifndef HLSFLOW_SIM_AP_INT_H
#define HLSFLOW_SIM_AP_INT_H
#include "hlsflow_ap_base.h"
#endif
