// hlsflow C-simulation model of hls::stream<T>: an unbounded FIFO backed by std::deque.
// Same file name as the vendor header so that generated code builds with either set.
// Reading an empty stream is a dataflow bug that would hang the hardware, and a stream
// destroyed with unread elements one that loses data: both are faults (hlsflow_sim_fault.h),
// reported by the C-simulation bridge; the read also throws.
#ifndef HLSFLOW_SIM_HLS_STREAM_H
#define HLSFLOW_SIM_HLS_STREAM_H

#define HLSFLOW_SIM_HLS_STREAM 1

#include <stddef.h>

#include <deque>
#include <string>

#include "hlsflow_sim_fault.h"

namespace hls {

template <typename T, int DEPTH = 0>
class stream {
  public:
    stream() : name_("hls::stream") {}
    stream(const char* name) : name_(name ? name : "hls::stream") {}
    stream(const std::string& name) : name_(name) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;

    ~stream() {
        if (!fifo_.empty())
            hlsflow_sim::note_fault("stream '" + name_ + "' destroyed with " + std::to_string(fifo_.size()) +
                                    " unread element(s)");
    }

    bool empty() const { return fifo_.empty(); }
    bool full() const { return false; }
    size_t size() const { return fifo_.size(); }
    const std::string& name() const { return name_; }

    void write(const T& v) { fifo_.push_back(v); }
    bool write_nb(const T& v) {
        fifo_.push_back(v);
        return true;
    }
    void operator<<(const T& v) { write(v); }

    T read() {
        if (fifo_.empty()) hlsflow_sim::stall("read from empty stream '" + name_ + "' (the hardware would stall here)");
        T v = fifo_.front();
        fifo_.pop_front();
        return v;
    }
    void read(T& v) { v = read(); }
    bool read_nb(T& v) {
        if (fifo_.empty()) {
            v = T();
            return false;
        }
        v = read();
        return true;
    }
    void operator>>(T& v) { read(v); }

  private:
    std::string name_;
    std::deque<T> fifo_;
};

}  // namespace hls

#endif
