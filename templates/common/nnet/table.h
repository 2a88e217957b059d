// Uniform lookup tables (hlsflow.numerics.lut): the index is
//   floor((x - lo) * 2^(log2 size - log2 span)), clamped to [0, size - 1],
// obtained exactly by assigning the exact value (x - lo) * scale to index_t, an unsigned
// integer type of log2(size) bits with truncation (TRN) and saturation (SAT). lo and
// scale are exact constants rebuilt from raw mantissas; entries are raw table_t mantissas.
#ifndef NNET_TABLE_H_
#define NNET_TABLE_H_

namespace nnet {

template <class index_t, class table_t, class lo_t, class scale_t, class data_T, class RAW>
inline table_t lookup(const data_T& x, long long lo_raw, const RAW table[]) {
    HLSFLOW_INLINE
    index_t idx = (x - hlsflow::from_raw<lo_t>(lo_raw)) * hlsflow::from_raw<scale_t>(1);
    return hlsflow::from_raw<table_t>(table[idx.to_uint()]);
}

}  // namespace nnet

#endif
