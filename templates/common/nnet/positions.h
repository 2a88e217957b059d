// Per-position drivers shared by the element-wise layers. A layer defines a kernel object
// that maps the channels of one position (one io_stream word) to the output channels:
//   k(x, y)     x[CFG::n_chan], y[CFG::n_chan]                    (one input)
//   k(a, b, y)  a[CFG::n_chan0], b[CFG::n_chan1], y[CFG::n_chan]   (two inputs)
// The drivers run it over the CFG::n_pos positions of an io_parallel array, or over the
// words of an io_stream stream (each word read into a local array, so the same kernel
// serves both io types).
#ifndef NNET_POSITIONS_H_
#define NNET_POSITIONS_H_

#include "nnet/array.h"

namespace nnet {

// A compile-time tag: kernels select the arithmetic of a layer's kind or operation by
// overloading on kind<CFG::kind>, so a layer instantiates only its own arithmetic.
template <int K>
struct kind {};

template <class T, unsigned N>
inline void write_word(hlsflow::stream<array<T, N> >& out, const T y[N]) {
    HLSFLOW_INLINE
    array<T, N> w;
    pack(y, w);
    out.write(w);
}

template <class data_T, class res_T, class CFG, class K>
void positions(const data_T x[CFG::n_pos * CFG::n_chan], res_T y[CFG::n_pos * CFG::n_chan], const K& k) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        k(&x[p * CFG::n_chan], &y[p * CFG::n_chan]);
    }
}

template <class data_T, class res_T, class CFG, class K>
void positions_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& in,
                      hlsflow::stream<array<res_T, CFG::n_chan> >& out, const K& k) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        HLSFLOW_PIPELINE(1)
        data_T x[CFG::n_chan];
        HLSFLOW_PARTITION(x)
        unpack(in.read(), x);
        res_T y[CFG::n_chan];
        HLSFLOW_PARTITION(y)
        k(x, y);
        write_word(out, y);
    }
}

template <class data0_T, class data1_T, class res_T, class CFG, class K>
void positions2(const data0_T a[CFG::n_pos * CFG::n_chan0], const data1_T b[CFG::n_pos * CFG::n_chan1],
                res_T y[CFG::n_pos * CFG::n_chan], const K& k) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        k(&a[p * CFG::n_chan0], &b[p * CFG::n_chan1], &y[p * CFG::n_chan]);
    }
}

template <class data0_T, class data1_T, class res_T, class CFG, class K>
void positions2_stream(hlsflow::stream<array<data0_T, CFG::n_chan0> >& in0,
                       hlsflow::stream<array<data1_T, CFG::n_chan1> >& in1,
                       hlsflow::stream<array<res_T, CFG::n_chan> >& out, const K& k) {
    for (unsigned p = 0; p < CFG::n_pos; p++) {
        HLSFLOW_PIPELINE(1)
        data0_T a[CFG::n_chan0];
        data1_T b[CFG::n_chan1];
        res_T y[CFG::n_chan];
        HLSFLOW_PARTITION(a)
        HLSFLOW_PARTITION(b)
        HLSFLOW_PARTITION(y)
        unpack(in0.read(), a);
        unpack(in1.read(), b);
        k(a, b, y);
        write_word(out, y);
    }
}

// Kernel adapter: apply the element operation E to every channel, e(x[c], y[c]).
template <class CFG, class E>
struct each_channel {
    E e;
    template <class data_T, class res_T>
    void operator()(const data_T x[CFG::n_chan], res_T y[CFG::n_chan]) const {
        HLSFLOW_INLINE
        for (unsigned c = 0; c < CFG::n_chan; c++) {
            HLSFLOW_UNROLL
            e(x[c], y[c]);
        }
    }
};

// Element operation y = x (the assignment applies res_T's rounding and overflow modes).
struct assign {
    template <class data_T, class res_T>
    void operator()(const data_T& x, res_T& y) const {
        HLSFLOW_INLINE
        y = x;
    }
};

// Kernel copying N channels (through assign).
template <unsigned N>
struct copy_channels {
    static const unsigned n_chan = N;
    template <class data_T, class res_T>
    void operator()(const data_T x[N], res_T y[N]) const {
        HLSFLOW_INLINE
        each_channel<copy_channels<N>, assign> k = {};
        k(x, y);
    }
};

}  // namespace nnet

#endif
