//! Borrowed views of row-major data with a shape: `TensorView` (shared) and `TensorViewMut`.
//!
//! A view always covers exactly `shape.len()` contiguous elements: indexing along the first
//! axis (`row`, `slice`) keeps that true without strides, which is all the layers need.
//! Misuse of an index (a row past the end) is a programmer error and panics with the shape
//! in the message; shape *mismatches* between operands are [`ShapeError`]s.

use std::ops::Range;

use super::shape::{Shape, ShapeError};
use super::Tensor;

/// Checks that `len` elements hold `dims` and returns the shape.
fn shape_for(dims: &[usize], len: usize) -> Result<Shape, ShapeError> {
    let shape = Shape::new(dims)?;
    if shape.len() == len {
        Ok(shape)
    } else {
        Err(ShapeError::Length { shape, len })
    }
}

/// The element range of rows `rows` of `shape`, and the shape of those rows together.
///
/// # Panics
/// If `shape` is a scalar or the range is not within the first dimension.
fn rows_of(shape: Shape, rows: Range<usize>) -> (Range<usize>, Shape) {
    let Some(first) = shape.dims().first().copied() else {
        panic!("cannot index the first axis of a scalar (shape {shape})");
    };
    assert!(
        rows.start <= rows.end && rows.end <= first,
        "rows {rows:?} out of range for shape {shape}"
    );
    let row_len = shape.inner().map_or(1, |inner| inner.len());
    let sub = shape
        .with_first(rows.end - rows.start)
        .expect("checked above: not a scalar, range within the first dimension");
    (rows.start * row_len..rows.end * row_len, sub)
}

/// The element of row `i` along the first axis, and its shape (the shape without the first
/// dimension).
///
/// # Panics
/// If `shape` is a scalar or `i` is not below the first dimension.
fn row_of(shape: Shape, i: usize) -> (Range<usize>, Shape) {
    let Some(inner) = shape.inner() else {
        panic!("cannot take a row of a scalar (shape {shape})");
    };
    assert!(
        i < shape.dims()[0],
        "row {i} out of range for shape {shape}"
    );
    (i * inner.len()..(i + 1) * inner.len(), inner)
}

/// A shared view: a shape over borrowed row-major data.
#[derive(Clone, Copy, PartialEq)]
pub struct TensorView<'a> {
    shape: Shape,
    data: &'a [f32],
}

impl<'a> TensorView<'a> {
    /// A view of `data` as `dims`; an error unless `data` has exactly the shape's length.
    pub fn new(dims: &[usize], data: &'a [f32]) -> Result<TensorView<'a>, ShapeError> {
        Ok(TensorView {
            shape: shape_for(dims, data.len())?,
            data,
        })
    }

    pub(crate) fn from_parts(shape: Shape, data: &'a [f32]) -> TensorView<'a> {
        debug_assert_eq!(shape.len(), data.len());
        TensorView { shape, data }
    }

    /// The shape of the viewed elements.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the view has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements, row-major.
    pub fn as_slice(&self) -> &'a [f32] {
        self.data
    }

    /// The same data as `dims`; an error naming both shapes if the element count differs.
    pub fn reshape(self, dims: &[usize]) -> Result<TensorView<'a>, ShapeError> {
        let to = Shape::new(dims)?;
        if to.len() != self.shape.len() {
            return Err(ShapeError::Reshape {
                from: self.shape,
                to,
            });
        }
        Ok(TensorView {
            shape: to,
            data: self.data,
        })
    }

    /// Row `i` along the first axis: shape `dims[1..]`.
    ///
    /// # Panics
    /// If the view is a scalar or `i >= dims[0]` (programmer misuse).
    pub fn row(self, i: usize) -> TensorView<'a> {
        let (range, shape) = row_of(self.shape, i);
        TensorView::from_parts(shape, &self.data[range])
    }

    /// Rows `rows` along the first axis: shape `(rows.len(), dims[1..]...)`.
    ///
    /// # Panics
    /// If the view is a scalar or the range exceeds `dims[0]`.
    pub fn slice(self, rows: Range<usize>) -> TensorView<'a> {
        let (range, shape) = rows_of(self.shape, rows);
        TensorView::from_parts(shape, &self.data[range])
    }

    /// Every row along the first axis, in order (nothing for a scalar).
    pub fn rows(self) -> impl Iterator<Item = TensorView<'a>> {
        let count = if self.shape.rank() == 0 {
            0
        } else {
            self.shape.dims()[0]
        };
        (0..count).map(move |i| self.row(i))
    }

    /// The element at a multi-index, or `None` if the rank differs or an index is out of range.
    pub fn get(&self, index: &[usize]) -> Option<f32> {
        self.shape.offset(index).map(|at| self.data[at])
    }

    /// An owning copy.
    pub fn to_tensor(&self) -> Tensor {
        Tensor::from_parts(self.shape, self.data)
    }
}

impl std::fmt::Debug for TensorView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::debug_data(f, "TensorView", self.shape, self.data)
    }
}

/// An exclusive view: a shape over mutably borrowed row-major data.
#[derive(PartialEq)]
pub struct TensorViewMut<'a> {
    shape: Shape,
    data: &'a mut [f32],
}

impl<'a> TensorViewMut<'a> {
    /// A view of `data` as `dims`; an error unless `data` has exactly the shape's length.
    pub fn new(dims: &[usize], data: &'a mut [f32]) -> Result<TensorViewMut<'a>, ShapeError> {
        Ok(TensorViewMut {
            shape: shape_for(dims, data.len())?,
            data,
        })
    }

    pub(crate) fn from_parts(shape: Shape, data: &'a mut [f32]) -> TensorViewMut<'a> {
        debug_assert_eq!(shape.len(), data.len());
        TensorViewMut { shape, data }
    }

    /// The shape of the viewed elements.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        self.shape.dims()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the view has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements, row-major.
    pub fn as_slice(&self) -> &[f32] {
        self.data
    }

    /// The elements, row-major, for writing.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.data
    }

    /// The elements, for as long as the original borrow.
    pub fn into_slice(self) -> &'a mut [f32] {
        self.data
    }

    /// A shared view of the same data.
    pub fn view(&self) -> TensorView<'_> {
        TensorView::from_parts(self.shape, self.data)
    }

    /// A shorter-lived exclusive view of the same data (to pass on without giving this up).
    pub fn reborrow(&mut self) -> TensorViewMut<'_> {
        TensorViewMut::from_parts(self.shape, self.data)
    }

    /// The same data as `dims`; an error naming both shapes if the element count differs.
    pub fn reshape(self, dims: &[usize]) -> Result<TensorViewMut<'a>, ShapeError> {
        let to = Shape::new(dims)?;
        if to.len() != self.shape.len() {
            return Err(ShapeError::Reshape {
                from: self.shape,
                to,
            });
        }
        Ok(TensorViewMut {
            shape: to,
            data: self.data,
        })
    }

    /// Row `i` along the first axis.
    ///
    /// # Panics
    /// If the view is a scalar or `i >= dims[0]`.
    pub fn row_mut(&mut self, i: usize) -> TensorViewMut<'_> {
        let (range, shape) = row_of(self.shape, i);
        TensorViewMut::from_parts(shape, &mut self.data[range])
    }

    /// Row `i`, for as long as the original borrow.
    ///
    /// # Panics
    /// If the view is a scalar or `i >= dims[0]`.
    pub fn into_row(self, i: usize) -> TensorViewMut<'a> {
        let (range, shape) = row_of(self.shape, i);
        TensorViewMut::from_parts(shape, &mut self.data[range])
    }

    /// Rows `rows` along the first axis.
    ///
    /// # Panics
    /// If the view is a scalar or the range exceeds `dims[0]`.
    pub fn slice_mut(&mut self, rows: Range<usize>) -> TensorViewMut<'_> {
        let (range, shape) = rows_of(self.shape, rows);
        TensorViewMut::from_parts(shape, &mut self.data[range])
    }

    /// Splits along the first axis into rows `..mid` and `mid..` (e.g. to hand to two threads).
    ///
    /// # Panics
    /// If the view is a scalar or `mid > dims[0]`.
    pub fn split_at(self, mid: usize) -> (TensorViewMut<'a>, TensorViewMut<'a>) {
        let first = self.shape.dims().first().copied().unwrap_or(0);
        let (head_range, head_shape) = rows_of(self.shape, 0..mid);
        let (_, tail_shape) = rows_of(self.shape, mid..first);
        let (head, tail) = self.data.split_at_mut(head_range.end);
        (
            TensorViewMut::from_parts(head_shape, head),
            TensorViewMut::from_parts(tail_shape, tail),
        )
    }

    /// The element at a multi-index, mutably, or `None` if the index does not fit the shape.
    pub fn get_mut(&mut self, index: &[usize]) -> Option<&mut f32> {
        self.shape.offset(index).map(|at| &mut self.data[at])
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: f32) {
        self.data.fill(value);
    }

    /// Copies `src` in; an error naming both shapes unless they are equal.
    pub fn copy_from(&mut self, src: TensorView<'_>) -> Result<(), ShapeError> {
        if src.shape() != self.shape {
            return Err(ShapeError::Reshape {
                from: src.shape(),
                to: self.shape,
            });
        }
        self.data.copy_from_slice(src.as_slice());
        Ok(())
    }
}

impl std::fmt::Debug for TensorViewMut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::debug_data(f, "TensorViewMut", self.shape, self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iota(n: usize) -> Vec<f32> {
        (0..n).map(|i| i as f32).collect()
    }

    #[test]
    fn rows_and_slices_of_the_first_axis() {
        let data = iota(24);
        let v = TensorView::new(&[2, 3, 4], &data).unwrap();
        let r = v.row(1);
        assert_eq!(r.dims(), &[3, 4]);
        assert_eq!(r.as_slice(), &data[12..24]);
        assert_eq!(r.row(2).as_slice(), &data[20..24]);
        assert_eq!(r.row(2).row(3).dims(), &[] as &[usize]);
        assert_eq!(r.row(2).row(3).as_slice(), &[23.0]);
        let s = v.reshape(&[6, 4]).unwrap().slice(1..3);
        assert_eq!((s.dims(), s.as_slice()), (&[2, 4][..], &data[4..12]));
        assert_eq!(v.slice(2..2).dims(), &[0, 3, 4]);
        assert_eq!(v.rows().count(), 2);
        assert_eq!(v.get(&[1, 2, 3]), Some(23.0));
        assert_eq!(v.get(&[1, 3, 0]), None);
    }

    #[test]
    fn wrong_lengths_and_reshapes_are_errors_naming_the_shapes() {
        let data = iota(6);
        let err = TensorView::new(&[4, 2], &data).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape (4, 2) needs 8 elements but the buffer has 6"
        );
        let err = TensorView::new(&[2, 3], &data)
            .unwrap()
            .reshape(&[4])
            .unwrap_err();
        assert!(err.to_string().contains("(2, 3)") && err.to_string().contains("(4,)"));
    }

    #[test]
    #[should_panic(expected = "row 2 out of range for shape (2, 3)")]
    fn row_past_the_end_panics_with_the_shape() {
        let data = iota(6);
        TensorView::new(&[2, 3], &data).unwrap().row(2);
    }

    #[test]
    #[should_panic(expected = "cannot take a row of a scalar")]
    fn row_of_a_scalar_panics() {
        TensorView::new(&[], &[1.0]).unwrap().row(0);
    }

    #[test]
    #[should_panic(expected = "rows 1..4 out of range for shape (3,)")]
    fn slice_past_the_end_panics() {
        let data = iota(3);
        TensorView::new(&[3], &data).unwrap().slice(1..4);
    }

    #[test]
    fn mutable_views_write_through() {
        let mut data = iota(12);
        let mut v = TensorViewMut::new(&[3, 4], &mut data).unwrap();
        v.row_mut(1).fill(-1.0);
        *v.get_mut(&[2, 3]).unwrap() = 99.0;
        v.slice_mut(0..1).as_mut_slice()[0] = 7.0;
        let (mut head, tail) = v.split_at(1);
        assert_eq!((head.dims(), tail.dims()), (&[1, 4][..], &[2, 4][..]));
        head.as_mut_slice()[1] = 8.0;
        let mut row = tail.into_row(0);
        row.copy_from(TensorView::new(&[4], &[1.0, 2.0, 3.0, 4.0]).unwrap())
            .unwrap();
        assert!(row
            .copy_from(TensorView::new(&[2, 2], &[0.0; 4]).unwrap())
            .is_err());
        assert_eq!(
            data,
            [7.0, 8.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 8.0, 9.0, 10.0, 99.0]
        );
    }
}
