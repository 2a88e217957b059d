// Faults found by hlsflow's own simulation models of streams (hls::stream, ac_channel):
// a read from an empty stream (the hardware would stall there) or a stream destroyed
// with unread words (the design wrote more than it read). Generated code never does
// either; when it does, the C-simulation bridge reports the first fault of the sample
// to Python as an error instead of printing a warning or aborting the process.
#ifndef HLSFLOW_SIM_FAULT_H
#define HLSFLOW_SIM_FAULT_H

#define HLSFLOW_SIM_FAULTS 1

#include <stdexcept>
#include <string>

namespace hlsflow_sim {

// The first fault on this thread since the bridge last cleared it ("" while none).
inline std::string& fault() {
    static thread_local std::string first;
    return first;
}

inline void note_fault(const std::string& what) {
    if (fault().empty()) fault() = what;
}

// A read the hardware would stall on: noted, then thrown so the call stops at once.
[[noreturn]] inline void stall(const std::string& what) {
    note_fault(what);
    throw std::runtime_error(what);
}

}  // namespace hlsflow_sim

#endif
