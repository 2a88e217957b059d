// nnet::array: one stream word (all channels of one pixel / position) for io_stream.
#ifndef NNET_ARRAY_H_
#define NNET_ARRAY_H_

namespace nnet {

template <class T, unsigned N>
struct array {
    typedef T value_type;
    static const unsigned size = N;
    T data[N];
    T& operator[](unsigned i) { return data[i]; }
    const T& operator[](unsigned i) const { return data[i]; }
};

// Read one word from a stream into a plain array, and back: the io_stream form of a
// per-position layer reuses the io_parallel kernel on that array.
template <class T, unsigned N>
inline void unpack(const array<T, N>& w, T out[N]) {
    for (unsigned i = 0; i < N; i++) {
        HLSFLOW_UNROLL
        out[i] = w.data[i];
    }
}

template <class T, unsigned N>
inline void pack(const T in[N], array<T, N>& w) {
    for (unsigned i = 0; i < N; i++) {
        HLSFLOW_UNROLL
        w.data[i] = in[i];
    }
}

}  // namespace nnet

#endif
