// hlsflow C-simulation model of Algorithmic C ac_channel<T>: an unbounded FIFO with the
// read/write/empty/size/nb_read interface. Written for hlsflow from the documented API.
#ifndef HLSFLOW_SIM_AC_CHANNEL_H
#define HLSFLOW_SIM_AC_CHANNEL_H

#include <deque>
#include <string>

#include "hlsflow_sim_fault.h"

template <class T>
class ac_channel {
   public:
    ac_channel() {}
    explicit ac_channel(int init) : q_(init > 0 ? init : 0) {}
    ac_channel(int init, T val) : q_(init > 0 ? init : 0, val) {}
    ~ac_channel() {
        if (!q_.empty())
            hlsflow_sim::note_fault("an ac_channel destroyed with " + std::to_string(q_.size()) + " unread element(s)");
    }

    T read() {
        if (q_.empty()) hlsflow_sim::stall("read from an empty ac_channel (the hardware would stall here)");
        T t = q_.front();
        q_.pop_front();
        return t;
    }
    bool nb_read(T& t) {
        if (q_.empty()) return false;
        t = read();
        return true;
    }
    void write(const T& t) { q_.push_back(t); }
    bool empty() const { return q_.empty(); }
    bool available(unsigned k) const { return q_.size() >= k; }
    unsigned size() const { return (unsigned)q_.size(); }
    unsigned debug_size() const { return size(); }

   private:
    ac_channel(const ac_channel&);  // channels are not copied (as in the AC library)
    ac_channel& operator=(const ac_channel&);
    std::deque<T> q_;
};

#endif
