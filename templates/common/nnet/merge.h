// Merge of two tensors, element by element (hlsflow.ir.ops.merge). A merge of n > 2
// inputs is lowered to a chain of these, each intermediate in a type exact for it, so
// only the last stage rounds. CFG::op:
//   0 add  y = a + b;   1 subtract  y = a - b;   2 multiply  y = a * b;
//   3 maximum;  4 minimum;  5 average's last stage  y = (a + b) * r
//   (r = 1/n quantised, or 2^-p for n = 2^p: an exact constant r_t + r_raw).
// maximum/minimum compare a and b as CFG::cmp_t, a type exact for both (signed if either
// is): ap types compare mixed signedness like C integers, so a negative ap_fixed can
// order above an unsigned ap_ufixed of 32+ bits; one common type keeps the order exact.
// CFG: n_pos, n_chan0 = n_chan1 = n_chan, op, r_t, r_raw, cmp_t.
#ifndef NNET_MERGE_H_
#define NNET_MERGE_H_

#include "nnet/positions.h"

namespace nnet {

template <class CFG, class A, class B, class Y>
inline void merge_op(kind<0>, const A& a, const B& b, Y& y) {
    y = a + b;
}

template <class CFG, class A, class B, class Y>
inline void merge_op(kind<1>, const A& a, const B& b, Y& y) {
    y = a - b;
}

template <class CFG, class A, class B, class Y>
inline void merge_op(kind<2>, const A& a, const B& b, Y& y) {
    y = a * b;
}

template <class CFG, class A, class B, class Y>
inline void merge_op(kind<3>, const A& a, const B& b, Y& y) {
    if (typename CFG::cmp_t(a) >= typename CFG::cmp_t(b)) y = a;
    else y = b;
}

template <class CFG, class A, class B, class Y>
inline void merge_op(kind<4>, const A& a, const B& b, Y& y) {
    if (typename CFG::cmp_t(a) <= typename CFG::cmp_t(b)) y = a;
    else y = b;
}

template <class CFG, class A, class B, class Y>
inline void merge_op(kind<5>, const A& a, const B& b, Y& y) {
    y = (a + b) * hlsflow::from_raw<typename CFG::r_t>(CFG::r_raw);
}

template <class CFG>
struct merge_kernel {
    template <class data0_T, class data1_T, class res_T>
    void operator()(const data0_T a[CFG::n_chan], const data1_T b[CFG::n_chan], res_T y[CFG::n_chan]) const {
        HLSFLOW_INLINE
        for (unsigned c = 0; c < CFG::n_chan; c++) {
            HLSFLOW_UNROLL
            merge_op<CFG>(kind<CFG::op>(), a[c], b[c], y[c]);
        }
    }
};

template <class data0_T, class data1_T, class res_T, class CFG>
void merge(const data0_T a[CFG::n_pos * CFG::n_chan], const data1_T b[CFG::n_pos * CFG::n_chan],
           res_T y[CFG::n_pos * CFG::n_chan]) {
    positions2<data0_T, data1_T, res_T, CFG>(a, b, y, merge_kernel<CFG>());
}

template <class data0_T, class data1_T, class res_T, class CFG>
void merge_stream(hlsflow::stream<array<data0_T, CFG::n_chan> >& a, hlsflow::stream<array<data1_T, CFG::n_chan> >& b,
                  hlsflow::stream<array<res_T, CFG::n_chan> >& y) {
    positions2_stream<data0_T, data1_T, res_T, CFG>(a, b, y, merge_kernel<CFG>());
}

}  // namespace nnet

#endif
