// Pooling (pool_max, pool_avg over 1D/2D windows) and global pooling (global_pool_max,
// global_pool_avg over every pixel). Each channel is reduced on its own.
//
// max: the largest non-padded element (padded taps are ignored); accum_t = the input type.
// avg: the exact sum of the non-padded elements in accum_t (wide enough never to
//      overflow) times the reciprocal of their count d, recip[d - min_count] (raw
//      mantissas of recip_t), assigned once to res_T: the emulator's exact product.
//
// CFG: the window geometry of nnet/window.h (global pooling: one window covering the
//      image), n_out (= n_chan), reuse_factor (1), accum_t; avg also recip_t, min_count.
#ifndef NNET_POOL_H_
#define NNET_POOL_H_

#include "nnet/window.h"

namespace nnet {

struct reduce_max {
    template <class acc_T, class data_T>
    static void step(acc_T& acc, const data_T& v, bool first) {
        if (first || v > acc) acc = v;
    }
    template <class CFG, class res_T, class acc_T>
    static void finish(res_T& y, const acc_T& acc, unsigned) {
        y = acc;
    }
};

struct reduce_avg {
    template <class acc_T, class data_T>
    static void step(acc_T& acc, const data_T& v, bool first) {
        if (first) acc = v;
        else acc += v;
    }
    template <class CFG, class res_T, class acc_T, class R_RAW>
    static void finish(res_T& y, const acc_T& acc, unsigned count, const R_RAW recip[]) {
        y = acc * hlsflow::from_raw<typename CFG::recip_t>(recip[count - CFG::min_count]);
    }
};

// A pooling window: reduce the valid taps of each channel.
template <class R>
struct pool_op {
    template <class data_T, class res_T, class CFG, class... A>
    static void apply(const data_T win[], const bool valid[CFG::n_taps], res_T out[CFG::n_chan], const A&... a) {
        HLSFLOW_INLINE
        for (unsigned ch = 0; ch < CFG::n_chan; ch++) {
            HLSFLOW_UNROLL
            typename CFG::accum_t acc = 0;
            unsigned count = 0;
            for (unsigned t = 0; t < CFG::n_taps; t++) {
                HLSFLOW_UNROLL
                if (valid[t]) {
                    R::step(acc, win[t * CFG::n_chan + ch], count == 0);
                    count++;
                }
            }
            R::template finish<CFG>(out[ch], acc, count, a...);
        }
    }
};

// Global pooling accumulates pixel by pixel instead of gathering the whole image.
template <class R, class data_T, class CFG>
inline void global_step(typename CFG::accum_t acc[CFG::n_chan], const data_T px[CFG::n_chan], unsigned p) {
    for (unsigned ch = 0; ch < CFG::n_chan; ch++) {
        HLSFLOW_UNROLL
        R::step(acc[ch], px[ch], p == 0);
    }
}

template <class R, class res_T, class CFG, class... A>
inline void global_finish(const typename CFG::accum_t acc[CFG::n_chan], res_T y[CFG::n_chan], const A&... a) {
    for (unsigned ch = 0; ch < CFG::n_chan; ch++) {
        HLSFLOW_UNROLL
        R::template finish<CFG>(y[ch], acc[ch], CFG::n_taps, a...);
    }
}

template <class R, class data_T, class res_T, class CFG, class... A>
void global_reduce(const data_T x[], res_T y[CFG::n_chan], const A&... a) {
    typename CFG::accum_t acc[CFG::n_chan];
    HLSFLOW_PARTITION(acc)
    for (unsigned p = 0; p < CFG::n_taps; p++) {
        global_step<R, data_T, CFG>(acc, &x[p * CFG::n_chan], p);
    }
    global_finish<R, res_T, CFG>(acc, y, a...);
}

template <class R, class data_T, class res_T, class CFG, class... A>
void global_reduce_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& in, hlsflow::stream<array<res_T, CFG::n_out> >& out,
                          const A&... a) {
    typename CFG::accum_t acc[CFG::n_chan];
    HLSFLOW_PARTITION(acc)
    for (unsigned p = 0; p < CFG::n_taps; p++) {
        HLSFLOW_PIPELINE(1)
        const array<data_T, CFG::n_chan> px = in.read();
        global_step<R, data_T, CFG>(acc, px.data, p);
    }
    array<res_T, CFG::n_out> word;
    global_finish<R, res_T, CFG>(acc, word.data, a...);
    out.write(word);
}

}  // namespace nnet

NNET_LAYER_PAIR(pool_max, window_op, pool_op<reduce_max>)
NNET_LAYER_PAIR(pool_avg, window_op, pool_op<reduce_avg>)
NNET_LAYER_PAIR(global_pool_max, global_reduce, reduce_max)
NNET_LAYER_PAIR(global_pool_avg, global_reduce, reduce_avg)

#endif
