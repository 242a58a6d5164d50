"""What a render is seen through: the video, contact sheets, plots, the animatic, the look, progress."""
