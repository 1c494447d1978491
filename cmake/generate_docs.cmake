# Writes the files the binary generates about itself: the man page ec2dl(1) (plain and
# gzip'd) and the bash, zsh and fish completion scripts.
# Run as: cmake -DEC2DL=path/to/ec2dl -DOUT=dir -P generate_docs.cmake
file(MAKE_DIRECTORY "${OUT}")
foreach(job IN ITEMS "__manpage;ec2dl.1" "completion;bash;ec2dl.bash" "completion;zsh;_ec2dl"
                     "completion;fish;ec2dl.fish")
  list(POP_BACK job name)
  execute_process(COMMAND "${EC2DL}" ${job} OUTPUT_FILE "${OUT}/${name}.tmp"
                  RESULT_VARIABLE status ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "ec2dl ${job} failed (${status}): ${err}")
  endif()
  file(RENAME "${OUT}/${name}.tmp" "${OUT}/${name}")
endforeach()
# gzip -n: no name or time stamp inside, so the same page gives the same bytes.
execute_process(COMMAND gzip -9 -n -c "${OUT}/ec2dl.1" OUTPUT_FILE "${OUT}/ec2dl.1.gz"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "gzip of the man page failed")
endif()
