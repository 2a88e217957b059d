// Sliding windows shared by convolution, pooling and zero padding, for io_parallel
// (an image array) and io_stream (a pixel stream through a line buffer).
//
// CFG geometry, always 2D (a 1D layer is one row high): in_height, in_width, n_chan,
// out_height, out_width, filt_height, filt_width, n_taps (= filt_height * filt_width),
// stride_height, stride_width, dilation_height, dilation_width, pad_top, pad_left,
// buffer_rows (line-buffer rows: the dilated window height); n_out (values per output
// position) and reuse_factor (initiation interval of the streaming loop).
//
// Output (oh, ow), tap (p, q) reads input row oh * stride_height + p * dilation_height
// - pad_top and column ow * stride_width + q * dilation_width - pad_left; outside the
// input it is padding: it reads zero and is flagged invalid (pooling ignores it).
//
// A layer is a policy class K with
//   template <class data_T, class res_T, class CFG, class... A>
//   static void apply(const data_T win[n_taps * n_chan], const bool valid[n_taps],
//                     res_T out[n_out], const A&... arrays);
// where win holds the window in (tap, channel) order -- the order of a kernel
// (filt_height, filt_width, n_chan, ...) flattened -- and arrays are the layer's constants.
#ifndef NNET_WINDOW_H_
#define NNET_WINDOW_H_

#include "nnet/array.h"

namespace nnet {

// dst = src element by element, each value assigned once to dst's type.
template <unsigned N, class src_T, class dst_T>
inline void assign_all(const src_T src[N], dst_T dst[N]) {
    for (unsigned i = 0; i < N; i++) {
        HLSFLOW_UNROLL
        dst[i] = src[i];
    }
}

template <class CFG>
inline int tap_row(unsigned oh, unsigned p) {
    return int(oh * CFG::stride_height + p * CFG::dilation_height) - int(CFG::pad_top);
}

template <class CFG>
inline int tap_col(unsigned ow, unsigned q) {
    return int(ow * CFG::stride_width + q * CFG::dilation_width) - int(CFG::pad_left);
}

// Pixels (in row-major arrival order) that must have been read before the window of
// output (oh, ow) is complete: up to its last non-padded row and column.
template <class CFG>
inline unsigned window_need(unsigned oh, unsigned ow) {
    int r = tap_row<CFG>(oh, CFG::filt_height - 1);
    int c = tap_col<CFG>(ow, CFG::filt_width - 1);
    if (r >= int(CFG::in_height)) r = int(CFG::in_height) - 1;
    if (c >= int(CFG::in_width)) c = int(CFG::in_width) - 1;
    return (r < 0 || c < 0) ? 0 : unsigned(r) * CFG::in_width + unsigned(c) + 1;
}

// Gather the window of output (oh, ow) from img, which holds input row r in slot
// r % ROWS (ROWS = in_height: the whole image; ROWS = buffer_rows: a line buffer).
template <class data_T, class CFG, unsigned ROWS>
void gather_window(const data_T img[], unsigned oh, unsigned ow, data_T win[CFG::n_taps * CFG::n_chan],
                   bool valid[CFG::n_taps]) {
    HLSFLOW_INLINE
    for (unsigned t = 0; t < CFG::n_taps; t++) {
        HLSFLOW_UNROLL
        const int r = tap_row<CFG>(oh, t / CFG::filt_width);
        const int c = tap_col<CFG>(ow, t % CFG::filt_width);
        const bool in = r >= 0 && r < int(CFG::in_height) && c >= 0 && c < int(CFG::in_width);
        const unsigned base = in ? ((unsigned(r) % ROWS) * CFG::in_width + unsigned(c)) * CFG::n_chan : 0;
        valid[t] = in;
        for (unsigned ch = 0; ch < CFG::n_chan; ch++) {
            HLSFLOW_UNROLL
            data_T v = 0;
            if (in) v = img[base + ch];
            win[t * CFG::n_chan + ch] = v;
        }
    }
}

// Gather one window from img and apply the layer to it.
template <class K, class data_T, class res_T, class CFG, unsigned ROWS, class... A>
void window_apply(const data_T img[], unsigned o, res_T out[CFG::n_out], const A&... a) {
    HLSFLOW_INLINE
    data_T win[CFG::n_taps * CFG::n_chan];
    HLSFLOW_PARTITION(win)
    bool valid[CFG::n_taps];
    HLSFLOW_PARTITION(valid)
    gather_window<data_T, CFG, ROWS>(img, o / CFG::out_width, o % CFG::out_width, win, valid);
    K::template apply<data_T, res_T, CFG>(win, valid, out, a...);
}

// io_parallel: every output position of an (in_height, in_width, n_chan) image.
template <class K, class data_T, class res_T, class CFG, class... A>
void window_op(const data_T x[], res_T y[], const A&... a) {
    for (unsigned o = 0; o < CFG::out_height * CFG::out_width; o++) {
        window_apply<K, data_T, res_T, CFG, CFG::in_height>(x, o, &y[o * CFG::n_out], a...);
    }
}

// io_stream: pixels arrive row-major, one word per pixel, into a line buffer of the
// last buffer_rows rows. Each step either writes the next output pixel, as soon as its
// window is complete, or reads one input pixel: in_height * in_width reads and
// out_height * out_width writes in all, one per step (pixels no window needs are read
// too, so the input stream is always drained).
template <class K, class data_T, class res_T, class CFG, class... A>
void window_op_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& in, hlsflow::stream<array<res_T, CFG::n_out> >& out,
                      const A&... a) {
    const unsigned n_in = CFG::in_height * CFG::in_width, n_res = CFG::out_height * CFG::out_width;
    data_T buf[CFG::buffer_rows * CFG::in_width * CFG::n_chan];
    unsigned n_read = 0, o = 0;
    for (unsigned step = 0; step < n_in + n_res; step++) {
        HLSFLOW_PIPELINE(CFG::reuse_factor)
        if (o < n_res && n_read >= window_need<CFG>(o / CFG::out_width, o % CFG::out_width)) {
            array<res_T, CFG::n_out> word;
            window_apply<K, data_T, res_T, CFG, CFG::buffer_rows>(buf, o, word.data, a...);
            out.write(word);
            o++;
        } else {
            const array<data_T, CFG::n_chan> px = in.read();
            const unsigned slot = (n_read / CFG::in_width) % CFG::buffer_rows * CFG::in_width + n_read % CFG::in_width;
            for (unsigned ch = 0; ch < CFG::n_chan; ch++) {
                HLSFLOW_UNROLL
                buf[slot * CFG::n_chan + ch] = px[ch];
            }
            n_read++;
        }
    }
}

}  // namespace nnet

// Define layer NAME for both io types: nnet::NAME (arrays) runs DRIVER and
// nnet::NAME_stream (streams) runs DRIVER_stream, both with policy K and the layer's
// constant arrays passed through.
#define NNET_LAYER_PAIR(NAME, DRIVER, K)                                                                   \
    namespace nnet {                                                                                       \
    template <class data_T, class res_T, class CFG, class... A>                                            \
    void NAME(const data_T x[], res_T y[], const A&... a) {                                                \
        DRIVER<K, data_T, res_T, CFG>(x, y, a...);                                                         \
    }                                                                                                      \
    template <class data_T, class res_T, class CFG, class... A>                                            \
    void NAME##_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& in,                                   \
                       hlsflow::stream<array<res_T, CFG::n_out> >& out, const A&... a) {                   \
        DRIVER##_stream<K, data_T, res_T, CFG>(in, out, a...);                                             \
    }                                                                                                      \
    }

#endif
