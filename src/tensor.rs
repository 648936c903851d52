//! `Tensor`: an owning, row-major array of f32 with up to four dimensions, and its views.
//!
//! Shapes are written as in the math, outermost first: a batch of windows is (B, T, C).
//! A tensor's data is one contiguous buffer of exactly `shape.len()` elements, so a view of
//! any row (or run of rows along the first axis) is again contiguous and every kernel can take
//! it as a plain slice.
//!
//! Errors and panics: operations between operands whose shapes do not fit return a
//! [`ShapeError`] naming every shape involved; an index past the end of an axis is a
//! programmer error and panics with the shape in the message. Nothing here can cause undefined
//! behaviour (the crate forbids `unsafe`).

mod shape;
mod view;

pub use shape::{Shape, ShapeError, MAX_DIMS};
pub use view::{TensorView, TensorViewMut};

use std::ops::Range;

use nd_kernels::{AlignedBuf, Epilogue, GemmSpec};

/// The buffer behind a tensor: 64-byte aligned, so every tensor starts on a cache line and the
/// kernels' vector loads of its first rows never split one.
type Storage = AlignedBuf;

fn storage_zeroed(len: usize) -> Storage {
    AlignedBuf::zeroed(len)
}

fn storage_from_slice(data: &[f32]) -> Storage {
    AlignedBuf::from_slice(data)
}

/// An owning tensor: a [`Shape`] and exactly `shape.len()` elements, row-major.
#[derive(Clone, PartialEq)]
pub struct Tensor {
    shape: Shape,
    data: Storage,
}

impl Tensor {
    /// A tensor of zeros.
    ///
    /// # Panics
    /// If the memory cannot be allocated (the message names the size).
    pub fn zeros(dims: &[usize]) -> Result<Tensor, ShapeError> {
        let shape = Shape::new(dims)?;
        Ok(Tensor {
            shape,
            data: storage_zeroed(shape.len()),
        })
    }

    /// A tensor with every element equal to `value`.
    pub fn full(dims: &[usize], value: f32) -> Result<Tensor, ShapeError> {
        let mut t = Tensor::zeros(dims)?;
        t.as_mut_slice().fill(value);
        Ok(t)
    }

    /// A tensor holding a copy of `data`; an error unless its length is the shape's.
    pub fn from_slice(dims: &[usize], data: &[f32]) -> Result<Tensor, ShapeError> {
        Ok(TensorView::new(dims, data)?.to_tensor())
    }

    /// A tensor holding the values of `data` (copied into aligned memory); an error unless
    /// its length is the shape's.
    pub fn from_vec(dims: &[usize], data: Vec<f32>) -> Result<Tensor, ShapeError> {
        Tensor::from_slice(dims, &data)
    }

    pub(crate) fn from_parts(shape: Shape, data: &[f32]) -> Tensor {
        debug_assert_eq!(shape.len(), data.len());
        Tensor {
            shape,
            data: storage_from_slice(data),
        }
    }

    /// The shape (dimensions and element count).
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor has no elements (some dimension is 0).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// The elements, row-major, for writing.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// A borrowed view of the whole tensor.
    pub fn view(&self) -> TensorView<'_> {
        TensorView::from_parts(self.shape, &self.data)
    }

    /// A mutable borrowed view of the whole tensor.
    pub fn view_mut(&mut self) -> TensorViewMut<'_> {
        TensorViewMut::from_parts(self.shape, &mut self.data)
    }

    /// The same elements as `dims`, without copying; an error naming both shapes if the
    /// element count differs (the tensor is then dropped: use `view().reshape` to keep it).
    pub fn reshape(self, dims: &[usize]) -> Result<Tensor, ShapeError> {
        let to = self.view().reshape(dims)?.shape();
        Ok(Tensor {
            shape: to,
            data: self.data,
        })
    }

    /// Row `i` along the first axis (see [`TensorView::row`]).
    ///
    /// # Panics
    /// If the tensor is a scalar or `i >= dims[0]`.
    pub fn row(&self, i: usize) -> TensorView<'_> {
        self.view().row(i)
    }

    /// Rows `rows` along the first axis (see [`TensorView::slice`]).
    ///
    /// # Panics
    /// If the tensor is a scalar or the range exceeds `dims[0]`.
    pub fn slice(&self, rows: Range<usize>) -> TensorView<'_> {
        self.view().slice(rows)
    }

    /// The element at a multi-index, or `None` if the index does not fit the shape.
    pub fn get(&self, index: &[usize]) -> Option<f32> {
        self.view().get(index)
    }

    /// C = A·B with the active kernels' sgemm, for A (m, k), B (k, n) and C (m, n); C is
    /// overwritten. Large products are split over the global pool's threads (outside a
    /// parallel region; see [`crate::nn::gemm`]), with the same bits. An error naming the
    /// three shapes if they do not fit together.
    pub fn matmul_into(
        a: TensorView<'_>,
        b: TensorView<'_>,
        c: &mut TensorViewMut<'_>,
    ) -> Result<(), ShapeError> {
        let mismatch = || ShapeError::Matmul {
            a: a.shape(),
            b: b.shape(),
            c: c.shape(),
        };
        let (&[m, k], &[k2, n], &[m2, n2]) = (a.dims(), b.dims(), c.dims()) else {
            return Err(mismatch());
        };
        if k != k2 || m != m2 || n != n2 {
            return Err(mismatch());
        }
        let spec = GemmSpec::new(m, n, k);
        crate::nn::gemm::sgemm(
            nd_kernels::active(),
            &spec,
            a.as_slice(),
            b.as_slice(),
            c.as_mut_slice(),
            Epilogue::NONE,
        );
        Ok(())
    }

    /// A·B as a new (m, n) tensor; see [`Tensor::matmul_into`].
    pub fn matmul(a: TensorView<'_>, b: TensorView<'_>) -> Result<Tensor, ShapeError> {
        let (&[m, _], &[_, n]) = (a.dims(), b.dims()) else {
            let c = Shape::new(&[]).expect("the scalar shape is valid");
            return Err(ShapeError::Matmul {
                a: a.shape(),
                b: b.shape(),
                c,
            });
        };
        let mut c = Tensor::zeros(&[m, n])?;
        Tensor::matmul_into(a, b, &mut c.view_mut())?;
        Ok(c)
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_data(f, "Tensor", self.shape, &self.data)
    }
}

/// `Name(shape, [first elements...])`: enough to recognise a tensor in a failed assertion
/// without printing megabytes.
fn debug_data(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    shape: Shape,
    data: &[f32],
) -> std::fmt::Result {
    const SHOWN: usize = 16;
    write!(f, "{name}({shape}, {:?}", &data[..data.len().min(SHOWN)])?;
    if data.len() > SHOWN {
        write!(f, " + {} more", data.len() - SHOWN)?;
    }
    f.write_str(")")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn constructors_check_lengths() {
        let t = Tensor::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!((t.dims(), t.len(), t.rank()), (&[2, 3][..], 6, 2));
        assert_eq!(t.get(&[1, 0]), Some(4.0));
        let err = Tensor::from_vec(&[2, 2], vec![0.0; 3]).unwrap_err();
        assert!(err.to_string().contains("(2, 2)"), "{err}");
        assert!(Tensor::from_slice(&[1, 1, 1, 1, 1], &[0.0]).is_err());
        assert_eq!(Tensor::zeros(&[0, 5]).unwrap().len(), 0);
        assert_eq!(Tensor::zeros(&[]).unwrap().as_slice(), &[0.0]);
        assert!(Tensor::full(&[2], 3.5).unwrap().as_slice() == [3.5, 3.5]);
    }

    #[test]
    fn data_starts_on_a_cache_line() {
        for dims in [&[0][..], &[1], &[3, 5], &[2, 3, 4, 5]] {
            let t = Tensor::zeros(dims).unwrap();
            assert_eq!(t.as_slice().as_ptr() as usize % 64, 0, "{dims:?}");
            let c = Tensor::from_slice(dims, t.as_slice()).unwrap().clone();
            assert_eq!(c.as_slice().as_ptr() as usize % 64, 0, "{dims:?}");
        }
    }

    #[test]
    fn debug_is_short() {
        let t = Tensor::zeros(&[10, 10]).unwrap();
        let s = format!("{t:?}");
        assert!(
            s.starts_with("Tensor((10, 10), [0.0,") && s.ends_with("+ 84 more)"),
            "{s}"
        );
    }

    #[test]
    fn matmul_shape_errors_name_all_three_shapes() {
        let a = Tensor::zeros(&[2, 3]).unwrap();
        let b = Tensor::zeros(&[4, 5]).unwrap();
        let mut c = Tensor::zeros(&[2, 5]).unwrap();
        let err = Tensor::matmul_into(a.view(), b.view(), &mut c.view_mut()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "matmul needs A (m, k), B (k, n) and C (m, n); got A (2, 3), B (4, 5), C (2, 5)"
        );
        let v = Tensor::zeros(&[6]).unwrap();
        assert!(Tensor::matmul(v.view(), b.view()).is_err());
        let b = Tensor::zeros(&[3, 5]).unwrap();
        let mut wrong_c = Tensor::zeros(&[5, 2]).unwrap();
        assert!(Tensor::matmul_into(a.view(), b.view(), &mut wrong_c.view_mut()).is_err());
    }

    #[test]
    fn matmul_matches_the_textbook_product() {
        // A (2, 3) · B (3, 2)
        let a = Tensor::from_slice(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let b = Tensor::from_slice(&[3, 2], &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0]).unwrap();
        let c = Tensor::matmul(a.view(), b.view()).unwrap();
        assert_eq!(c.dims(), &[2, 2]);
        assert_eq!(c.as_slice(), &[58.0, 64.0, 139.0, 154.0]);
    }

    /// Dimensions of rank 0..=4, each 0..6.
    fn dims() -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(0usize..6, 0..=MAX_DIMS)
    }

    /// A random factorisation of `len` into up to 4 dimensions (`len` > 0).
    fn factorisation(len: usize, picks: &[usize]) -> Vec<usize> {
        let mut rest = len;
        let mut out = Vec::new();
        for &p in picks.iter().take(MAX_DIMS - 1) {
            let divisors: Vec<usize> = (1..=rest).filter(|d| rest.is_multiple_of(*d)).collect();
            let d = divisors[p % divisors.len()];
            out.push(d);
            rest /= d;
        }
        out.push(rest);
        out
    }

    proptest! {
        #[test]
        fn reshape_round_trips(dims in dims(), picks in prop::collection::vec(0usize..64, 0..4)) {
            let shape = Shape::new(&dims).unwrap();
            let data: Vec<f32> = (0..shape.len()).map(|i| i as f32).collect();
            let t = Tensor::from_slice(&dims, &data).unwrap();
            let to = if shape.is_empty() { vec![0, 3] } else { factorisation(shape.len(), &picks) };

            let v = t.view().reshape(&to).unwrap();
            prop_assert_eq!(v.dims(), &to[..]);
            prop_assert_eq!(v.as_slice(), &data[..]);
            prop_assert_eq!(v.reshape(&dims).unwrap(), t.view());

            let back = t.clone().reshape(&to).unwrap().reshape(&dims).unwrap();
            prop_assert_eq!(&back, &t);

            let mut u = t.clone();
            let mv = u.view_mut().reshape(&to).unwrap();
            prop_assert_eq!(mv.as_slice(), &data[..]);

            // One element more or fewer never reshapes.
            let bigger = [shape.len() + 1];
            let err = t.view().reshape(&bigger).unwrap_err();
            prop_assert!(err.to_string().contains(&shape.to_string()), "{}", err);
        }

        #[test]
        fn rows_and_slices_tile_the_data(dims in prop::collection::vec(0usize..6, 1..=MAX_DIMS),
                                         cut in 0usize..6) {
            let shape = Shape::new(&dims).unwrap();
            let data: Vec<f32> = (0..shape.len()).map(|i| i as f32 * 0.5).collect();
            let t = Tensor::from_slice(&dims, &data).unwrap();
            let rows = dims[0];

            // Rows concatenated in order are the data; each has the inner shape.
            let mut joined = Vec::new();
            for (i, row) in t.view().rows().enumerate() {
                prop_assert_eq!(row.dims(), &dims[1..]);
                prop_assert_eq!(row, t.row(i));
                joined.extend_from_slice(row.as_slice());
            }
            prop_assert_eq!(&joined, &data);

            // Any split of the first axis into two slices tiles it too.
            let cut = cut.min(rows);
            let (a, b) = (t.slice(0..cut), t.slice(cut..rows));
            prop_assert_eq!(a.len() + b.len(), data.len());
            prop_assert_eq!([a.as_slice(), b.as_slice()].concat(), data.clone());
            prop_assert_eq!(a.to_tensor(), Tensor::from_slice(a.dims(), a.as_slice()).unwrap());

            // The mutable split agrees with the shared slices.
            let mut u = t.clone();
            let (ma, mb) = u.view_mut().split_at(cut);
            prop_assert_eq!(ma.view(), a);
            prop_assert_eq!(mb.view(), b);

            // Element access agrees with the flat offset.
            let last: Vec<usize> = dims.iter().map(|&d| d.saturating_sub(1)).collect();
            let expected = shape.offset(&last).map(|at| data[at]);
            prop_assert_eq!(t.get(&last), expected);
        }
    }
}
