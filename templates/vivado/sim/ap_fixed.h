// hlsflow C-simulation model of ap_fixed / ap_ufixed (and ap_int / ap_uint): see
// hlsflow_ap_base.h. Same file name as the vendor header so that generated code builds
// with either set; HLSFLOW_SIM_AP_TYPES tells which one is in use.
#ifndef HLSFLOW_SIM_AP_FIXED_H
#define HLSFLOW_SIM_AP_FIXED_H
#include "hlsflow_ap_base.h"
#endif
